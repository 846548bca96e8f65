/*
 * superfluid guest runtime: the ELF entry point (guest-only).
 *
 * The monitor enters here at CPL 3 with RDI = boot info address and
 * RSP = top of memory. RSP is re-aligned to 16 bytes (the call below then
 * leaves the callee at the ABI's 16n+8) and RBP is cleared so that frame
 * walks stop here. sf_entry never returns.
 */
    .section .text.entry, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    andq $-16, %rsp
    xorl %ebp, %ebp
    call sf_entry
    ud2
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
