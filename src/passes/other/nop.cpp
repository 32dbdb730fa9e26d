// nop: to be written
