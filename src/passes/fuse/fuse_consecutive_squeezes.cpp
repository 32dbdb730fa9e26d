// fuse_consecutive_squeezes: to be written
