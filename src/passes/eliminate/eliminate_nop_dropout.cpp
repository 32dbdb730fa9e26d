// eliminate_nop_dropout: to be written
