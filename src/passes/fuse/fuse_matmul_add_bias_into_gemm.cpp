// fuse_matmul_add_bias_into_gemm: to be written
