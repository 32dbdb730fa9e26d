// eliminate_duplicate_initializer: to be written
