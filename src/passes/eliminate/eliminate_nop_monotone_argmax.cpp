// eliminate_nop_monotone_argmax: to be written
