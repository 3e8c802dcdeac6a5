#ifndef COPENCL_H
#define COPENCL_H
/*
 * The OpenCL 1.2 C API, resolved with dlopen at run time so that crosshash starts (and falls
 * back to the CPU) on machines without an OpenCL ICD loader. Nothing here links libOpenCL.
 *
 * copencl_open fills a table of entry points; the ccl_* inline functions call through it so
 * Swift sees plain functions instead of optional function pointers. A table is immutable once
 * filled, so it may be shared between threads; OpenCL itself defines which calls are thread-safe.
 */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stddef.h>

typedef struct copencl_api {
    void *handle;
    cl_int (*GetPlatformIDs)(cl_uint, cl_platform_id *, cl_uint *);
    cl_int (*GetPlatformInfo)(cl_platform_id, cl_platform_info, size_t, void *, size_t *);
    cl_int (*GetDeviceIDs)(cl_platform_id, cl_device_type, cl_uint, cl_device_id *, cl_uint *);
    cl_int (*GetDeviceInfo)(cl_device_id, cl_device_info, size_t, void *, size_t *);
    cl_context (*CreateContext)(const cl_context_properties *, cl_uint, const cl_device_id *,
                                void (*)(const char *, const void *, size_t, void *), void *, cl_int *);
    cl_int (*ReleaseContext)(cl_context);
    cl_command_queue (*CreateCommandQueue)(cl_context, cl_device_id, cl_command_queue_properties, cl_int *);
    cl_int (*ReleaseCommandQueue)(cl_command_queue);
    cl_program (*CreateProgramWithSource)(cl_context, cl_uint, const char **, const size_t *, cl_int *);
    cl_int (*BuildProgram)(cl_program, cl_uint, const cl_device_id *, const char *,
                           void (*)(cl_program, void *), void *);
    cl_int (*GetProgramBuildInfo)(cl_program, cl_device_id, cl_program_build_info, size_t, void *, size_t *);
    cl_int (*ReleaseProgram)(cl_program);
    cl_kernel (*CreateKernel)(cl_program, const char *, cl_int *);
    cl_int (*ReleaseKernel)(cl_kernel);
    cl_int (*SetKernelArg)(cl_kernel, cl_uint, size_t, const void *);
    cl_int (*GetKernelWorkGroupInfo)(cl_kernel, cl_device_id, cl_kernel_work_group_info, size_t, void *, size_t *);
    cl_mem (*CreateBuffer)(cl_context, cl_mem_flags, size_t, void *, cl_int *);
    cl_int (*ReleaseMemObject)(cl_mem);
    cl_int (*EnqueueWriteBuffer)(cl_command_queue, cl_mem, cl_bool, size_t, size_t, const void *,
                                 cl_uint, const cl_event *, cl_event *);
    cl_int (*EnqueueReadBuffer)(cl_command_queue, cl_mem, cl_bool, size_t, size_t, void *,
                                cl_uint, const cl_event *, cl_event *);
    cl_int (*EnqueueFillBuffer)(cl_command_queue, cl_mem, const void *, size_t, size_t, size_t,
                                cl_uint, const cl_event *, cl_event *);
    void *(*EnqueueMapBuffer)(cl_command_queue, cl_mem, cl_bool, cl_map_flags, size_t, size_t,
                              cl_uint, const cl_event *, cl_event *, cl_int *);
    cl_int (*EnqueueUnmapMemObject)(cl_command_queue, cl_mem, void *, cl_uint, const cl_event *, cl_event *);
    cl_int (*EnqueueNDRangeKernel)(cl_command_queue, cl_kernel, cl_uint, const size_t *, const size_t *,
                                   const size_t *, cl_uint, const cl_event *, cl_event *);
    cl_int (*Flush)(cl_command_queue);
    cl_int (*Finish)(cl_command_queue);
    cl_int (*WaitForEvents)(cl_uint, const cl_event *);
    cl_int (*ReleaseEvent)(cl_event);
} copencl_api;

/* Opens `path` (NULL: "libOpenCL.so.1") and resolves every entry point above.
 * Returns 0 on success; otherwise writes a message to `err` and leaves `api` zeroed. */
int copencl_open(const char *path, copencl_api *api, char *err, size_t errlen);

static inline cl_int ccl_GetPlatformIDs(const copencl_api *a, cl_uint n, cl_platform_id *p, cl_uint *num) {
    return a->GetPlatformIDs(n, p, num);
}
static inline cl_int ccl_GetPlatformInfo(const copencl_api *a, cl_platform_id p, cl_platform_info i, size_t s, void *v, size_t *r) {
    return a->GetPlatformInfo(p, i, s, v, r);
}
static inline cl_int ccl_GetDeviceIDs(const copencl_api *a, cl_platform_id p, cl_device_type t, cl_uint n, cl_device_id *d, cl_uint *num) {
    return a->GetDeviceIDs(p, t, n, d, num);
}
static inline cl_int ccl_GetDeviceInfo(const copencl_api *a, cl_device_id d, cl_device_info i, size_t s, void *v, size_t *r) {
    return a->GetDeviceInfo(d, i, s, v, r);
}
static inline cl_context ccl_CreateContext(const copencl_api *a, cl_device_id d, cl_int *err) {
    return a->CreateContext(NULL, 1, &d, NULL, NULL, err);
}
static inline cl_int ccl_ReleaseContext(const copencl_api *a, cl_context c) { return a->ReleaseContext(c); }
static inline cl_command_queue ccl_CreateCommandQueue(const copencl_api *a, cl_context c, cl_device_id d, cl_int *err) {
    return a->CreateCommandQueue(c, d, 0, err);
}
static inline cl_int ccl_ReleaseCommandQueue(const copencl_api *a, cl_command_queue q) { return a->ReleaseCommandQueue(q); }
static inline cl_program ccl_CreateProgramWithSource(const copencl_api *a, cl_context c, const char *src, cl_int *err) {
    return a->CreateProgramWithSource(c, 1, &src, NULL, err);
}
static inline cl_int ccl_BuildProgram(const copencl_api *a, cl_program p, cl_device_id d, const char *options) {
    return a->BuildProgram(p, 1, &d, options, NULL, NULL);
}
static inline cl_int ccl_GetProgramBuildInfo(const copencl_api *a, cl_program p, cl_device_id d, cl_program_build_info i, size_t s, void *v, size_t *r) {
    return a->GetProgramBuildInfo(p, d, i, s, v, r);
}
static inline cl_int ccl_ReleaseProgram(const copencl_api *a, cl_program p) { return a->ReleaseProgram(p); }
static inline cl_kernel ccl_CreateKernel(const copencl_api *a, cl_program p, const char *name, cl_int *err) {
    return a->CreateKernel(p, name, err);
}
static inline cl_int ccl_ReleaseKernel(const copencl_api *a, cl_kernel k) { return a->ReleaseKernel(k); }
static inline cl_int ccl_SetKernelArg(const copencl_api *a, cl_kernel k, cl_uint i, size_t s, const void *v) {
    return a->SetKernelArg(k, i, s, v);
}
static inline cl_int ccl_GetKernelWorkGroupInfo(const copencl_api *a, cl_kernel k, cl_device_id d, cl_kernel_work_group_info i, size_t s, void *v, size_t *r) {
    return a->GetKernelWorkGroupInfo(k, d, i, s, v, r);
}
static inline cl_mem ccl_CreateBuffer(const copencl_api *a, cl_context c, cl_mem_flags f, size_t size, cl_int *err) {
    return a->CreateBuffer(c, f, size, NULL, err);
}
static inline cl_int ccl_ReleaseMemObject(const copencl_api *a, cl_mem m) { return a->ReleaseMemObject(m); }
static inline cl_int ccl_EnqueueWriteBuffer(const copencl_api *a, cl_command_queue q, cl_mem m, cl_bool blocking, size_t off, size_t size, const void *p, cl_uint nw, const cl_event *w, cl_event *e) {
    return a->EnqueueWriteBuffer(q, m, blocking, off, size, p, nw, w, e);
}
static inline cl_int ccl_EnqueueReadBuffer(const copencl_api *a, cl_command_queue q, cl_mem m, cl_bool blocking, size_t off, size_t size, void *p, cl_uint nw, const cl_event *w, cl_event *e) {
    return a->EnqueueReadBuffer(q, m, blocking, off, size, p, nw, w, e);
}
static inline cl_int ccl_EnqueueFillBuffer(const copencl_api *a, cl_command_queue q, cl_mem m, const void *pattern, size_t psize, size_t off, size_t size) {
    return a->EnqueueFillBuffer(q, m, pattern, psize, off, size, 0, NULL, NULL);
}
/* Blocking map of [off, off + size) of `m`; returns the host pointer (NULL and *err set on failure). */
static inline void *ccl_EnqueueMapBuffer(const copencl_api *a, cl_command_queue q, cl_mem m, cl_map_flags flags, size_t off, size_t size, cl_int *err) {
    return a->EnqueueMapBuffer(q, m, CL_TRUE, flags, off, size, 0, NULL, NULL, err);
}
static inline cl_int ccl_EnqueueUnmapMemObject(const copencl_api *a, cl_command_queue q, cl_mem m, void *p) {
    return a->EnqueueUnmapMemObject(q, m, p, 0, NULL, NULL);
}
static inline cl_int ccl_EnqueueNDRangeKernel(const copencl_api *a, cl_command_queue q, cl_kernel k, cl_uint dims, const size_t *global, const size_t *local) {
    return a->EnqueueNDRangeKernel(q, k, dims, NULL, global, local, 0, NULL, NULL);
}
static inline cl_int ccl_Flush(const copencl_api *a, cl_command_queue q) { return a->Flush(q); }
static inline cl_int ccl_Finish(const copencl_api *a, cl_command_queue q) { return a->Finish(q); }
static inline cl_int ccl_WaitForEvents(const copencl_api *a, cl_uint n, const cl_event *e) { return a->WaitForEvents(n, e); }
static inline cl_int ccl_ReleaseEvent(const copencl_api *a, cl_event e) { return a->ReleaseEvent(e); }

#endif
