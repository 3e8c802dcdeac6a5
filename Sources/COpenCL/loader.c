#include "copencl.h"
int copencl_placeholder(void) { return 0; }
