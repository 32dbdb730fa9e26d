// fuse_transpose_into_gemm: to be written
