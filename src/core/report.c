/* report.c - stub, being written */
#include "config.h"
#include "report.h"
