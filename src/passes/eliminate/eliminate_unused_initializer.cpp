// eliminate_unused_initializer: to be written
