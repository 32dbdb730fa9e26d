// fuse_pad_into_conv: to be written
