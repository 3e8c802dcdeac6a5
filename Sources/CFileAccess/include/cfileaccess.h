#ifndef CFILEACCESS_H
#define CFILEACCESS_H

/// Opens `path` relative to the directory `dirfd` with Linux openat2(2), resolving with
/// RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS: no component may be a symbolic link (ELOOP) and the
/// path may not leave `dirfd` ("..", absolute paths: EXDEV). Returns a descriptor, or -1 with
/// errno set; errno is ENOSYS where the kernel (or the platform) has no openat2, and the caller
/// then walks the path one component at a time instead.
int cfa_openat2_beneath(int dirfd, const char *path, int flags);

#endif
