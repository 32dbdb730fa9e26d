// lift_lexical_references: to be written
