/**
 * How a return, its pages and its emails name its standard: "Accessible Information Standard 2025",
 * "Equality Delivery System 2022". (A version's own `name`, such as "EDS 2022", labels the matrix
 * and heat map columns and the periods pages.)
 */
export function standardName(frameworkName: string, versionCode: string): string {
  return `${frameworkName} ${versionCode}`;
}
