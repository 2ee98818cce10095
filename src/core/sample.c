/* sample.c - stub, being written */
#include "config.h"
#include "sample.h"
