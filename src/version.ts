/** The hostkit version, written into plan artifacts and run records. */
export const HOSTKIT_VERSION = "0.1.0";
