/* theme.c - stub, being written */
#include "config.h"
#include "theme.h"
