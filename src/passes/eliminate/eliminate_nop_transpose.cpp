// eliminate_nop_transpose: to be written
