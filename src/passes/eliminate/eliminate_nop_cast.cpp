// eliminate_nop_cast: to be written
