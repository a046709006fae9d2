/* ad_text: escaping of untrusted text (see header). */
#include "core/ad_text.h"

#include <stdio.h>
#include <string.h>

/* Length of the well-formed UTF-8 sequence at s (n bytes available), 0 when
 * the bytes there are not one (RFC 3629: no overlong forms, no surrogates,
 * nothing beyond U+10FFFF). */
static size_t utf8_length(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  size_t len = c >= 0xf0 && c <= 0xf4   ? 4
               : c >= 0xe0 && c <= 0xef ? 3
               : c >= 0xc2 && c <= 0xdf ? 2
                                        : 0;
  if (len == 0 || len > n)
    return 0;
  for (size_t i = 1; i < len; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
      (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
    return 0;
  return len;
}

/* How src[i..] is written: *keep bytes as they are, or (keep 0) escaped
 * into esc. */
static void next_piece(const unsigned char *s, size_t n, size_t *keep,
                       char esc[5]) {
  unsigned char c = s[0];
  esc[0] = '\0';
  *keep = 0;
  if (c == '\\') {
    strcpy(esc, "\\\\");
  } else if (c >= 0x20 && c < 0x7f) {
    *keep = 1;
  } else if (c >= 0x80 && (*keep = utf8_length(s, n)) > 0) {
    /* a whole character */
  } else {
    snprintf(esc, 5, "\\x%02x", c);
  }
}

char *ad_text_escape(char *out, size_t out_size, const char *src, size_t max) {
  if (out_size == 0)
    return out;
  const unsigned char *s = (const unsigned char *)src;
  size_t n = src != NULL ? strnlen(src, max) : 0, o = 0;
  for (size_t i = 0; i < n;) {
    size_t keep;
    char esc[5];
    next_piece(s + i, n - i, &keep, esc);
    size_t len = keep > 0 ? keep : strlen(esc);
    if (o + len >= out_size)
      break;
    memcpy(out + o, keep > 0 ? (const char *)s + i : esc, len);
    o += len;
    i += keep > 0 ? keep : 1;
  }
  out[o] = '\0';
  return out;
}

char *ad_text_vformat(char *out, size_t out_size, const char *fmt, va_list ap) {
  char msg[1024];
  vsnprintf(msg, sizeof(msg), fmt, ap);
  return ad_text_escape(out, out_size, msg, sizeof(msg));
}

int ad_text_clean(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    size_t keep;
    char esc[5];
    next_piece(u + i, n - i, &keep, esc);
    if (keep == 0)
      return 0;
    i += keep;
  }
  return 1;
}

int ad_text_utf8(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    size_t len = u[i] < 0x80 ? 1 : utf8_length(u + i, n - i);
    if (len == 0)
      return 0;
    i += len;
  }
  return 1;
}

char *ad_text_utf8_cut(char *s) {
  size_t n = strlen(s), start = n;
  /* back to the first byte of the last sequence */
  while (start > 0 && n - start < 4 &&
         ((unsigned char)s[start - 1] & 0xc0) == 0x80)
    start--;
  if (start > 0 && (unsigned char)s[start - 1] >= 0xc0)
    start--;
  else if (start == n || (unsigned char)s[start] < 0x80)
    return s; /* ends in ASCII */
  if (!ad_text_utf8(s + start, n - start))
    s[start] = '\0';
  return s;
}
