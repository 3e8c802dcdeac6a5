#include "copencl.h"
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#define RESOLVE(field, symbol)                                                               \
    do {                                                                                     \
        *(void **)(&api->field) = dlsym(handle, symbol);                                     \
        if (api->field == NULL) {                                                            \
            snprintf(err, errlen, "%s does not export %s (an OpenCL 1.2 ICD loader is needed)", \
                     path, symbol);                                                          \
            goto fail;                                                                       \
        }                                                                                    \
    } while (0)

int copencl_open(const char *path, copencl_api *api, char *err, size_t errlen) {
    memset(api, 0, sizeof *api);
    if (path == NULL || path[0] == '\0') path = "libOpenCL.so.1";
    /* RTLD_LOCAL: vendor drivers loaded by the ICD must not see our symbols and vice versa. */
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *why = dlerror();
        snprintf(err, errlen, "cannot load %s: %s", path, why ? why : "unknown dlopen error");
        return -1;
    }
    RESOLVE(GetPlatformIDs, "clGetPlatformIDs");
    RESOLVE(GetPlatformInfo, "clGetPlatformInfo");
    RESOLVE(GetDeviceIDs, "clGetDeviceIDs");
    RESOLVE(GetDeviceInfo, "clGetDeviceInfo");
    RESOLVE(CreateContext, "clCreateContext");
    RESOLVE(ReleaseContext, "clReleaseContext");
    RESOLVE(CreateCommandQueue, "clCreateCommandQueue");
    RESOLVE(ReleaseCommandQueue, "clReleaseCommandQueue");
    RESOLVE(CreateProgramWithSource, "clCreateProgramWithSource");
    RESOLVE(BuildProgram, "clBuildProgram");
    RESOLVE(GetProgramBuildInfo, "clGetProgramBuildInfo");
    RESOLVE(ReleaseProgram, "clReleaseProgram");
    RESOLVE(CreateKernel, "clCreateKernel");
    RESOLVE(ReleaseKernel, "clReleaseKernel");
    RESOLVE(SetKernelArg, "clSetKernelArg");
    RESOLVE(GetKernelWorkGroupInfo, "clGetKernelWorkGroupInfo");
    RESOLVE(CreateBuffer, "clCreateBuffer");
    RESOLVE(ReleaseMemObject, "clReleaseMemObject");
    RESOLVE(EnqueueWriteBuffer, "clEnqueueWriteBuffer");
    RESOLVE(EnqueueReadBuffer, "clEnqueueReadBuffer");
    RESOLVE(EnqueueFillBuffer, "clEnqueueFillBuffer");
    RESOLVE(EnqueueMapBuffer, "clEnqueueMapBuffer");
    RESOLVE(EnqueueUnmapMemObject, "clEnqueueUnmapMemObject");
    RESOLVE(EnqueueNDRangeKernel, "clEnqueueNDRangeKernel");
    RESOLVE(Flush, "clFlush");
    RESOLVE(Finish, "clFinish");
    RESOLVE(WaitForEvents, "clWaitForEvents");
    RESOLVE(ReleaseEvent, "clReleaseEvent");
    api->handle = handle;
    return 0;
fail:
    dlclose(handle);
    memset(api, 0, sizeof *api);
    return -1;
}
