// fuse_consecutive_transposes: to be written
