// extract_constant_to_initializer: to be written
