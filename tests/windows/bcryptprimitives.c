/* Test-only stand-in for Windows' bcryptprimitives.dll, which Wine 8.0 lacks.
 *
 * Rust's standard library (since 1.78) imports ProcessPrng from bcryptprimitives.dll for its
 * random numbers (HashMap seeds); without the DLL a Rust .exe does not start under Wine 8.0.
 * Real Windows 10/11 ships it. This stand-in answers ProcessPrng with RtlGenRandom
 * (advapi32's SystemFunction036), which Wine implements. It is installed into the test Wine
 * prefix's system32 by tests/windows/env.sh and never into anything that ships. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
