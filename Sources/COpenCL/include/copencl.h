#ifndef COPENCL_H
#define COPENCL_H
/* Filled in by the GPU work: OpenCL entry points resolved with dlopen. */
int copencl_placeholder(void);
#endif
