// fuse_add_bias_into_conv: to be written
