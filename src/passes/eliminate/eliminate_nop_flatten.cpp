// eliminate_nop_flatten: to be written
