// fuse_bn_into_conv: to be written
