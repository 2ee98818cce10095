/* roles.c - stub, being written */
#include "config.h"
#include "roles.h"
