/* sf-hello-host: the host baseline of `sf-bench boot`: a static program that,
 * like the `hello` guest, prints one line and exits 0. */
#include <string.h>
#include <unistd.h>

int main(void) {
    static const char line[] = "hello from a static host process\n";
    return write(STDOUT_FILENO, line, strlen(line)) < 0;
}
