/* ad_calib: calibration of raw deviations into surprises (see header). */
#include "detectors/ad_calib.h"
#include "detectors/ad_detector.h"

#include <math.h>
#include <string.h>

/* Weight, in values, of the prior. */
#define PRIOR_VALUES 30.0
/* Past the record the tail is a power law whose exponent is fitted to the
 * history's upper tail; without enough tail to fit, this one. */
#define TAIL_EXPONENT 2.0
/* Exponents are kept at least this: a tail cannot fall slower. */
#define MIN_TAIL_EXPONENT 1.0
/* Rescale the lazy-decay gain before floats lose precision. */
#define GAIN_LIMIT 1e6f
/* A band is refreshed every BAND_EVERY values learned, every
 * BAND_EVERY_SETTLED once the history holds BAND_SETTLED values' worth
 * (after decay): those are then at most an eighth of it, however long the
 * memory. The search for the band was 12 % of a young series'
 * instructions (callgrind on bench/series_steps). */
#define BAND_EVERY 64
#define BAND_EVERY_SETTLED 256
#define BAND_SETTLED (8.0 * BAND_EVERY_SETTLED)
#define FIT_EVERY 32

/* Bin k covers [EDGE[k], EDGE[k + 1]), EDGE[k] = Z0 (R^k - 1) with Z0 = 0.2
 * and R = 1.3: fine near 0, coarse far out; the last bin holds everything
 * from 45,000 on (past the record the tail is extrapolated anyway). Tabulated
 * (and the prior's tail at each edge, e^-EDGE[k]) because pow, exp and log1p
 * per lookup were most of the write path's time. */
static const double EDGE[AD_CALIB_BINS + 1] = {
    0,
    0.060000000000000012,
    0.13800000000000004,
    0.23940000000000003,
    0.37122000000000011,
    0.54258600000000012,
    0.7653618000000002,
    1.0549703400000003,
    1.4314614420000007,
    1.9208998746000008,
    2.5571698369800013,
    3.3843207880740014,
    4.4596170244962021,
    5.8575021318450631,
    7.6747527713985821,
    10.037178602818157,
    13.108332183663604,
    17.100831838762687,
    22.291081390391493,
    29.038405807508941,
    37.809927549761625,
    49.212905814690117,
    64.03677755909716,
    83.307810826826312,
    108.36015407487419,
    140.92820029733647,
    183.26666038653741,
    238.30665850249864,
    309.85865605324824,
    402.87625286922275,
    523.79912872998955,
    680.99886734898644,
    885.35852755368239,
    1151.0260858197871,
    1496.3939115657233,
    1945.3720850354403,
    2529.0437105460728,
    3287.8168237098944,
    4274.2218708228629,
    5556.5484320697224,
    7223.5729616906392,
    9390.7048501978315,
    12207.97630525718,
    15870.429196834335,
    20631.617955884638,
    26821.163342650034,
    34867.572345445042,
    45327.904049078556,
    58926.335263802124,
};
static const double PRIOR_AT_EDGE[AD_CALIB_BINS + 1] = {
    1,
    0.94176453358424872,
    0.87109869174579835,
    0.78709997940453114,
    0.68989214858948489,
    0.58124321224896525,
    0.46516560361034309,
    0.34820275484674801,
    0.23895944156888294,
    0.14647509359041921,
    0.077523835351884451,
    0.033900660260516455,
    0.011566792237409182,
    0.0028583746158342888,
    0.00046440535769386924,
    4.3743015535060588e-05,
    2.0282601859125577e-06,
    3.7428558084462435e-08,
    2.0850014267622322e-10,
    2.4478262881608784e-13,
    3.7962700964870508e-17,
    4.2374693141375583e-22,
    1.5458981135640652e-28,
    6.605070515218295e-37,
    8.7052856646579191e-48,
    6.2468383283759929e-62,
    2.5603578989221873e-80,
    3.1969306220304987e-104,
    2.6921267670180351e-135,
    1.079111918021406e-175,
    3.2879769691496383e-228,
    1.7617720995765742e-296,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
};

static double edge(int k) { return EDGE[k]; }

/* The bin holding z: binary search of the edges. */
static int bin_of(double z) {
  if (!(z > 0))
    return 0;
  int lo = 0, hi = AD_CALIB_BINS; /* EDGE[lo] <= z < EDGE[hi] */
  if (z >= EDGE[AD_CALIB_BINS - 1])
    return AD_CALIB_BINS - 1;
  while (hi - lo > 1) {
    int mid = (lo + hi) / 2;
    if (z >= EDGE[mid])
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

void ad_calib_init_bounded(ad_calib_t *c) {
  ad_calib_init(c);
  c->bounded = 1;
}

void ad_calib_init(ad_calib_t *c) {
  memset(c, 0, sizeof(*c));
  c->gain = 1.0f;
  c->top = -1;
  c->budget = (float)AD_CALIB_BUDGET_MAX;
}

double ad_calib_prior_tail(double z) { return exp(-z); }

/* Mass at or above the lower edge of bin b (bins above the top are empty). */
static double mass_from(const ad_calib_t *c, int b) {
  double tail = 0.0;
  for (int k = b; k <= c->top; k++)
    tail += c->mass[k];
  return tail;
}

/* The highest bin holding history (-1: none). */
static int top_bin(const ad_calib_t *c) { return c->top; }

/* History a tail must hold, in values, to anchor the extrapolation: what
 * one value of an open incident teaches at most (INCIDENT_WEIGHT), or a
 * few values just past the band (ad_learn_weight); less is slivers, the
 * far values learned at AD_LEARN_MIN. Measured on bench/scenarios.py and
 * NAB: 1.0 made a nightly job's second night news again, 0.3 does not. */
#define ANCHOR_VALUES 0.3

/* The highest bin with at least ANCHOR_VALUES of history at or above it
 * (-1: none): where the tail is still known from values rather than from
 * slivers of them. An incident's values are learned at a small weight
 * (ad_learn_weight); one of them alone would otherwise make every later
 * deviation up to it look as common as that sliver of a value (a burn of
 * 100 % on an idle CPU was news for one value, then one in 2,500). */
static int anchor_bin(const ad_calib_t *c) {
  double need = ANCHOR_VALUES * c->gain, above = 0.0;
  for (int k = c->top; k >= 0; k--) {
    above += c->mass[k];
    if (above >= need)
      return k;
  }
  return c->top >= 0 ? 0 : -1;
}

/* The mass, in values, at or above z: the history's and `prior` values'
 * worth of the prior. Inside a bin it is interpolated log-linearly between
 * the bin's edges (densities fall steeply in the tails; a linear
 * interpolation would call a 3-sigma deviation twice as common as it is). */
static double tail_mass(const ad_calib_t *c, double z, double prior) {
  int b = bin_of(z);
  double lo = edge(b), hi = edge(b + 1);
  double f = z >= hi ? 1.0 : (z - lo) / (hi - lo);
  double above = b + 1 < AD_CALIB_BINS ? mass_from(c, b + 1) : 0.0;
  double at_lo = (above + c->mass[b]) / c->gain + prior * PRIOR_AT_EDGE[b];
  double at_hi = above / c->gain + prior * PRIOR_AT_EDGE[b + 1];
  return at_hi > 0 ? at_lo * pow(at_hi / at_lo, f) : (1.0 - f) * at_lo;
}

/* P(deviation >= z) under history and prior together, z inside the
 * histogram's range. */
static double tail_probability(const ad_calib_t *c, double z, double values) {
  return tail_mass(c, z, PRIOR_VALUES) / (values + PRIOR_VALUES);
}

/* The history's own P(deviation >= z), prior left out. */
static double history_tail(const ad_calib_t *c, double z, double values) {
  return tail_mass(c, z, 0.0) / values;
}

static double to_surprise(double p) {
  if (!(p > 0))
    return AD_CALIB_MAX_SURPRISE;
  double s = -log10(p);
  return s < 0 ? 0 : s > AD_CALIB_MAX_SURPRISE ? AD_CALIB_MAX_SURPRISE : s;
}

/* The deviation beyond which a share `share` of the history lies: the bins
 * are walked down from the top to the one where the tail reaches it, and
 * tail_mass's interpolation inverted inside it. */
static double history_quantile(const ad_calib_t *c, double share,
                               double values) {
  double target = share * values * c->gain; /* in raw mass units */
  double above = 0.0;
  for (int k = c->top; k >= 0; k--) {
    double at_lo = above + c->mass[k];
    if (at_lo >= target && at_lo > 0) {
      double f = above > 0 ? log(target / at_lo) / log(above / at_lo)
                           : 1.0 - target / at_lo;
      return edge(k) + f * (edge(k + 1) - edge(k));
    }
    above = at_lo;
  }
  return 0.0;
}

/* P(deviation >= z) for z past `anchor`: the history's tail at the anchor,
 * falling from there as a power law (an exponential for bounded scores)
 * with the exponent at which the series' own upper tail falls
 * (fit_exponent), mixed with the prior by weight as inside the history's
 * range. */
static double extrapolated(const ad_calib_t *c, double anchor, double z,
                           double values) {
  double at_anchor = history_tail(c, anchor, values);
  double exponent = c->exponent > 0 ? c->exponent : TAIL_EXPONENT;
  double beyond =
      c->bounded ? exp(-exponent * (z - anchor)) : pow(anchor / z, exponent);
  return (values * at_anchor * beyond + PRIOR_VALUES * ad_calib_prior_tail(z)) /
         (values + PRIOR_VALUES);
}

double ad_calib_surprise(const ad_calib_t *c, double z) {
  if (isnan(z))
    return NAN;
  if (z <= 0)
    return 0.0;
  double values = c->total / c->gain; /* history in values */
  /* In the history's highest occupied bin and past it, where the few
   * values up there say little, the tail is extrapolated from that bin's
   * lower edge: steep for a Gaussian-like series (a record ten times
   * further is news), gentle for a heavy-tailed one (where such records
   * are a fact of life). */
  int top = top_bin(c);
  if (values < 100.0 || top <= 0)
    return to_surprise(tail_probability(c, z, values));
  double p = z <= edge(top) ? tail_probability(c, z, values)
                            : extrapolated(c, edge(top), z, values);
  /* Past the last bin with ANCHOR_VALUES' worth above it, the tail is no
   * heavier than extrapolated from there either: slivers of values (an
   * incident's, learned at a small weight) do not set a floor under it. */
  int anchor = anchor_bin(c);
  if (anchor > 0 && anchor < top && z > edge(anchor))
    p = ad_fmin(p, extrapolated(c, edge(anchor), z, values));
  return to_surprise(p);
}

/* The tail's fall over the top of the history (the prior left out: its
 * exponential tail would flatten a short history's), from the values x above
 * u, u the quantile with the top 1% above it (but at least 20 values, at
 * most 10%), bins standing in for values at their middles:
 * - unbounded deviations: Hill's estimate of a power-law exponent,
 *   1 / mean log(x / u) (geometric middles). The thinner the top slice, the
 *   better a light (Gaussian-like) tail shows how fast it falls.
 * - bounded scores (ad_calib_init_bounded): the rate of an exponential
 *   tail, 1 / mean(x - u) (arithmetic middles).
 * 0 while the history is too short or too narrow to fit. */
static double fit_exponent(const ad_calib_t *c) {
  double values = c->total / c->gain; /* the history, in values */
  int top = top_bin(c);
  if (values < 100.0 || top <= 0)
    return 0.0;
  double u =
      history_quantile(c, ad_fmax(0.01, ad_fmin(0.1, 20.0 / values)), values);
  if (!(u > 0) || u >= edge(top))
    return 0.0;
  double sum = 0.0, mass = 0.0;
  for (int k = bin_of(u); k <= top; k++) {
    double lo = ad_fmax(edge(k), u), hi = edge(k + 1);
    double m = c->mass[k] / c->gain;
    if (k == bin_of(u))
      m *= (hi - lo) / (edge(k + 1) - edge(k));
    sum += m * (c->bounded ? 0.5 * (lo + hi) - u : log(sqrt(lo * hi) / u));
    mass += m;
  }
  if (!(sum > 0))
    return 0.0;
  return c->bounded ? mass / sum : ad_fmax(MIN_TAIL_EXPONENT, mass / sum);
}

/* A deviation beyond ABSURD_DEVIATION scales (no metric's noise, but a
 * counter's wrap read as a rate, or a broken sensor) is learned as at most
 * RECORD_GROWTH times the upper edge of the history's top bin (and at
 * least as FIRST_RECORD): one value of 5e17 scales counts as a large
 * record, not as one beside which every later anomaly looks ordinary.
 * Below, deviations are learned whole: a quiet series' first blips are
 * up to a million of its scales, and its history must learn them. */
#define ABSURD_DEVIATION 1e9
#define RECORD_GROWTH 16.0
#define FIRST_RECORD 40.0

void ad_calib_learn(ad_calib_t *c, double z, double memory) {
  ad_calib_learn_weighted(c, z, memory, 1.0);
}

void ad_calib_learn_weighted(ad_calib_t *c, double z, double memory,
                             double weight) {
  if (isnan(z))
    return;
  /* (a weight outside 0..1, or NaN, teaches as a whole value) */
  float w = weight >= 0.0 && weight < 1.0 ? (float)weight : 1.0f;
  if (z > ABSURD_DEVIATION) {
    double cap = c->top >= 0 ? RECORD_GROWTH * edge(c->top + 1) : 0.0;
    z = ad_fmin(z, ad_fmax(cap, FIRST_RECORD));
  }
  int b = bin_of(z);
  c->mass[b] += w * c->gain;
  if (b > c->top && w > 0.0f)
    c->top = (int8_t)b; /* masses decay but never reach zero */
  c->total += w * c->gain;
  /* Instead of multiplying every bin by (1 - 1/memory), later values weigh
   * more; rescaled now and then. */
  c->gain /= (float)(1.0 - 1.0 / ad_fmax(memory, 2.0));
  if (c->gain > GAIN_LIMIT) {
    for (int k = 0; k < AD_CALIB_BINS; k++)
      c->mass[k] /= c->gain;
    c->total /= c->gain;
    c->gain = 1.0f;
  }
  if (c->seen < UINT32_MAX)
    c->seen++;
  /* The tail's shape changes slowly: refitted every FIT_EVERY values. */
  if (c->seen % FIT_EVERY == 0)
    c->exponent = (float)fit_exponent(c);
}

/* Steps at most of the search below; the bound holds whatever the history
 * (a surprise that saturates at once would otherwise shrink the bracket
 * for ever). */
#define SEARCH_STEPS 40

double ad_calib_deviation_at(const ad_calib_t *c, double surprise) {
  /* Bracketed by factors of four, then narrowed to 0.1% by regula falsi
   * with the Illinois rule (the end that stays put has its excess halved,
   * so both ends close in): the surprise is smooth and monotone in the
   * deviation, and this takes 8 evaluations a search, bracketing
   * included, where bisection took 14 (callgrind on bench/series_steps). */
  double lo = 0.0, hi = 1.0;
  double f_lo = -surprise; /* the surprise of no deviation is 0 */
  double f_hi = ad_calib_surprise(c, hi) - surprise;
  while (f_hi < 0 && hi < 1e6) {
    lo = hi;
    f_lo = f_hi;
    hi *= 4.0;
    f_hi = ad_calib_surprise(c, hi) - surprise;
  }
  int kept = 0; /* which end stayed put last: -1 lo, +1 hi */
  for (int step = 0; step < SEARCH_STEPS && hi - lo > 1e-3 * hi; step++) {
    double mid = f_hi > f_lo ? lo + (hi - lo) * (-f_lo / (f_hi - f_lo))
                             : 0.5 * (lo + hi);
    /* keep the step inside the bracket, and off its ends */
    double margin = 1e-4 * (hi - lo);
    mid = ad_fmin(ad_fmax(mid, lo + margin), hi - margin);
    double f = ad_calib_surprise(c, mid) - surprise;
    if (f < 0) {
      lo = mid;
      f_lo = f;
      if (kept == 1)
        f_hi *= 0.5;
      kept = 1;
    } else {
      hi = mid;
      f_hi = f;
      if (kept == -1)
        f_lo *= 0.5;
      kept = -1;
    }
  }
  return hi;
}

/* Most values a history can hold: its memory is CalibrationDays of values
 * at the shortest interval, far below this. */
#define MAX_VALUES 1e13
/* How far total may drift from the masses' sum by float rounding. */
#define TOTAL_TOLERANCE 1e-3

void ad_calib_learn_judged(ad_calib_t *c, double z, double surprise,
                           double memory, double weight) {
  if (isnan(z) || isnan(surprise))
    return;
  if (surprise > AD_CALIB_RATION_SURPRISE) {
    if (c->budget >= 1.0f)
      c->budget -= 1.0f;
    else
      weight *= AD_CALIB_RATIONED_WEIGHT;
  }
  c->budget =
      (float)ad_fmin(AD_CALIB_BUDGET_MAX, c->budget + AD_CALIB_BUDGET_REFILL);
  ad_calib_learn_weighted(c, z, memory, weight);
}

const char *ad_calib_invalid(const ad_calib_t *c) {
  if (c->top < -1 || c->top >= AD_CALIB_BINS)
    return "top: out of range";
  if (c->bounded > 1)
    return "bounded: not 0 or 1";
  if (!(c->gain >= 1.0f) || !(c->gain <= 2.0f * GAIN_LIMIT))
    return "gain: out of range";
  if (!(c->total >= 0) || c->total / c->gain > MAX_VALUES)
    return "total: out of range";
  if (!(c->band >= 0) || !(c->exponent >= 0) || c->band_seen > c->seen)
    return "band or exponent: out of range";
  if (!(c->budget >= 0) || !(c->budget <= AD_CALIB_BUDGET_MAX))
    return "budget: out of range";
  double sum = 0.0;
  for (int b = 0; b < AD_CALIB_BINS; b++) {
    if (!(c->mass[b] >= 0))
      return "mass: negative";
    if (b > c->top && c->mass[b] > 0)
      return "mass: above the top bin";
    sum += c->mass[b];
  }
  if (fabs(sum - c->total) > TOTAL_TOLERANCE * ad_fmax(c->total, c->gain))
    return "total: not the sum of the masses";
  return NULL;
}

double ad_calib_band(ad_calib_t *c, double surprise) {
  double values = c->total / c->gain; /* the history, in values */
  uint32_t every = values < BAND_SETTLED ? BAND_EVERY : BAND_EVERY_SETTLED;
  if (c->band <= 0.0f || c->seen - c->band_seen >= every) {
    c->band = (float)ad_calib_deviation_at(c, surprise);
    c->band_seen = c->seen;
  }
  return c->band;
}
