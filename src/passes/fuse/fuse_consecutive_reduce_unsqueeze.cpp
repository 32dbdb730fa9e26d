// fuse_consecutive_reduce_unsqueeze: to be written
