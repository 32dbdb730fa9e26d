// eliminate_deadend: to be written
