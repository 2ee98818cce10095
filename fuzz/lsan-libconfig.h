/* lsan-libconfig.h - LeakSanitizer settings for a program that reads
 * config files; include it in exactly one file of the program (it
 * defines the two hooks LeakSanitizer looks up).
 *
 * libconfig 1.5 leaks the text of a string token its grammar rejects
 * ("x" = 1;, tests/crashers/config-string-key-leak.conf): that leak is
 * libconfig's, not ours to fix. */
#ifndef RTG_LSAN_LIBCONFIG_H
#define RTG_LSAN_LIBCONFIG_H

const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

const char *__lsan_default_options(void);
const char *
__lsan_default_options(void)
{
	return "print_suppressions=0";
}

#endif
