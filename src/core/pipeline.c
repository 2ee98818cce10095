/* pipeline.c - stub, being written */
#include "config.h"
#include "pipeline.h"
