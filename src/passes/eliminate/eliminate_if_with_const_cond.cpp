// eliminate_if_with_const_cond: to be written
