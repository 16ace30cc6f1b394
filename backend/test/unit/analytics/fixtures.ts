/** Ten daily returns shared by the risk tests; their reference figures come from numpy and scipy. */
export const RETURNS: readonly number[] = [0.01, -0.02, 0.015, -0.005, 0.03, -0.01, 0.002, -0.025, 0.012, 0.004];
