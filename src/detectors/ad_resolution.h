/* ad_resolution: the step a series' values come in. Counts are whole
 * numbers, memory and file sizes come in pages or kilobytes, percentages
 * from some sources in tenths: a series that sits still at 0 or 100 for
 * days has a learned spread of nothing, and without knowing its step the
 * first move by one unit would be a million scales. The resolution is the
 * largest step of a fixed ladder (4096, 1024, ... 1, 0.5, 0.1 ... 0.001,
 * each a multiple of the next) that every value seen so far is a whole
 * multiple of; 0 once a value is none of them (a continuous series, which
 * then has no floor from here). O(1) amortised: the ladder is only walked
 * down. */
#ifndef AD_RESOLUTION_H
#define AD_RESOLUTION_H

/* The resolution after also seeing x, given the resolution before (NaN:
 * nothing seen yet). Zeros and values that are not finite say nothing and
 * leave it as it was. Pure. */
double ad_resolution_learn(double resolution, double x);

/* What is wrong with a resolution read from a file (NULL: nothing): it
 * must be NaN, 0 or a step of the ladder. Pure. */
const char *ad_resolution_invalid(double resolution);

#endif /* AD_RESOLUTION_H */
