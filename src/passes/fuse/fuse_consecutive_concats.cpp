// fuse_consecutive_concats: to be written
