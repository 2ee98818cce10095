/* render.c - stub, being written */
#include "config.h"
#include "render.h"
