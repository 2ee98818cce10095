/* preview.c - stub */
#include "config.h"
#include "preview.h"
