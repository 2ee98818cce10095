#include "config.h"
#include "t.h"
int main(void) { return 77; }
