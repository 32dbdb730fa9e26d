// eliminate_nop_pad: to be written
