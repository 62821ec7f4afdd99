/**
 * Colors for status codes, after the Okabe–Ito palette (readable with the common color
 * vision deficiencies): blues for 2xx, greens for 3xx, oranges for 4xx, magenta and purple
 * for 5xx. Frequent codes have fixed colors so a code keeps its color from view to view;
 * others take their class's shades in turn.
 */
const FIXED: Record<number, string> = {
  200: '#0072B2',
  201: '#3A8FC9',
  204: '#56B4E9',
  206: '#8CCBF0',
  301: '#009E73',
  302: '#4DBB9A',
  304: '#007558',
  400: '#E69F00',
  401: '#F2C255',
  403: '#D55E00',
  404: '#F0A030',
  409: '#A65100',
  413: '#FFB870',
  429: '#C98A00',
  444: '#8C5A1F',
  499: '#B8860B',
  500: '#CC79A7',
  502: '#AA4499',
  503: '#882255',
  504: '#DDA0C8',
  520: '#9467BD',
  521: '#C5B0D5',
  522: '#542788',
  523: '#B2ABD2',
  524: '#D4418E',
};

const SHADES: Record<number, string[]> = {
  1: ['#999999', '#777777'],
  2: ['#2166AC', '#6BAED6', '#08519C', '#9ECAE1'],
  3: ['#1B9E77', '#66C2A4', '#00694D'],
  4: ['#E08214', '#FDB863', '#B35806', '#F5A05A'],
  5: ['#B2458C', '#762A83', '#C994C7', '#9E3A7A'],
};

/** The color of a status code's series, legend entry and table swatch. */
export function statusColor(status: number): string {
  const fixed = FIXED[status];
  if (fixed) return fixed;
  const shades = SHADES[Math.floor(status / 100)] ?? ['#888888'];
  return shades[status % shades.length];
}
