/* publish.c - stub */
#include "config.h"
#include "publish.h"
