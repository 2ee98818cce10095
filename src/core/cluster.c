/* cluster.c - stub, being written */
#include "config.h"
#include "cluster.h"
