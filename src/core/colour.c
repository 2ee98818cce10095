/* colour.c - stub, being written */
#include "config.h"
#include "colour.h"
