// fuse_consecutive_log_softmax: to be written
