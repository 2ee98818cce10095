/* image.c - stub, being written */
#include "config.h"
#include "image.h"
