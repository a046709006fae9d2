/* ad_text: untrusted text made safe to print. Identifiers arrive from the
 * network and cells from files: a host name may hold a newline that forges
 * a second log line, an escape sequence for the operator's terminal, or
 * bytes that are not UTF-8. Whatever reaches a log line, a message or an
 * error goes through ad_text_escape first. */
#ifndef AD_TEXT_H
#define AD_TEXT_H

#include <stdarg.h>
#include <stddef.h>

/* Copies at most max bytes of src (stopping at a NUL) into out (out_size
 * bytes, always NUL-terminated when out_size > 0): printable ASCII and
 * well-formed UTF-8 sequences as they are, a backslash as "\\", every other
 * byte (control characters, DEL, bytes of broken UTF-8) as "\xNN". Cut
 * short at a character boundary when out is too small. Returns out. */
char *ad_text_escape(char *out, size_t out_size, const char *src, size_t max);

/* Formats a message whose arguments are untrusted (names, cells, reasons
 * read from files) into out (out_size bytes, at most 1023 before escaping),
 * escaped as by ad_text_escape. Returns out. */
char *ad_text_vformat(char *out, size_t out_size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* True when the n bytes at s are well-formed UTF-8 (what JSON strings, and
 * so state files, can hold). */
int ad_text_utf8(const char *s, size_t n);

/* Cuts the NUL-terminated s before a UTF-8 sequence its end cut short (a
 * name truncated into a buffer). Returns s. */
char *ad_text_utf8_cut(char *s);

/* True when the n bytes at s need no escaping (ad_text_escape would copy
 * them unchanged). */
int ad_text_clean(const char *s, size_t n);

#endif /* AD_TEXT_H */
