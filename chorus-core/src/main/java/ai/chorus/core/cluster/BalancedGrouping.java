package ai.chorus.core.cluster;

import ai.chorus.engine.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The coarse level: groups the fine centroids, weighted by their train tokens, into {@code k}
 * experts whose token totals lie within [minShare, maxShare] × the fair share (total / k).
 *
 * <p>A weighted k-means over the fine centroids whose assignment step respects the bounds:
 * <ol>
 *   <li>greedy by regret: fine clusters whose best and second-best expert differ most (× weight)
 *       choose first, each taking its nearest expert that still has room under the upper bound;
 *   <li>repair: single moves, then swaps, that reduce the total bound violation (cheapest first)
 *       until both bounds hold — if none helps, the bounds are declared infeasible;
 *   <li>polish: single moves that lower Σ weight × squared distance without breaking a bound;
 *   <li>update: every expert centre becomes the weighted mean of its fine centroids.
 * </ol>
 * Repeated until the assignment stops changing; the cheapest feasible assignment seen is kept, over
 * {@value #RESTARTS} seedings.
 * Deterministic: every loop runs in index order and ties go to the lower index. The fine level is
 * small (16 × k by default), so the O(m²) swap search is affordable.
 */
final class BalancedGrouping {
    static final int MAX_ITERATIONS = 100;
    /** Independent seedings; the cheapest result wins (k-means on few points has many local minima). */
    static final int RESTARTS = 10;

    private final float[] fine;
    private final int m;
    private final int d;
    private final double[] weight;
    private final int k;
    private final double lower;
    private final double upper;
    private final double[] distance; // m × k squared distances to the current centres
    private final double[] load;

    /**
     * @param expertOfFine the expert of every fine cluster
     * @param centres k × d weighted means of the member fine centroids (not normalised)
     */
    record Result(int[] expertOfFine, float[] centres, double cost) {}

    private BalancedGrouping(float[] fine, int m, int d, double[] weight, int k, double lower, double upper) {
        this.fine = fine;
        this.m = m;
        this.d = d;
        this.weight = weight;
        this.k = k;
        this.lower = lower;
        this.upper = upper;
        this.distance = new double[m * k];
        this.load = new double[k];
    }

    /** Checks the bounds can be met at all and groups; user-fixable problems name the flag to change. */
    static Result group(float[] fine, int m, int d, double[] weight, int k, double minShare, double maxShare,
                        long seed) {
        if (k < 1) {
            throw new InvalidInputException("--experts must be at least 1, got " + k);
        }
        if (k > m) {
            throw new InvalidInputException("--experts " + k + " exceeds the " + m + " fine clusters;"
                    + " raise --fine to at least " + k + " (16 × experts is a good default) or lower --experts");
        }
        if (!(minShare >= 0 && minShare <= 1)) {
            throw new InvalidInputException("--min-share must be between 0 and 1 (a fraction of the fair share), got "
                    + minShare);
        }
        if (!(maxShare >= 1)) {
            throw new InvalidInputException("--max-share must be at least 1 (a multiple of the fair share), got "
                    + maxShare);
        }
        double total = 0;
        int heaviest = 0;
        int nonEmpty = 0;
        for (int i = 0; i < m; i++) {
            total += weight[i];
            if (weight[i] > weight[heaviest]) {
                heaviest = i;
            }
            if (weight[i] > 0) {
                nonEmpty++;
            }
        }
        if (!(total > 0)) {
            throw new InvalidInputException("the train documents hold no tokens, so there is nothing to balance;"
                    + " check that `chorus prepare` produced train documents");
        }
        double fair = total / k;
        double lower = minShare * fair;
        double upper = maxShare * fair;
        if (weight[heaviest] > upper) {
            throw new InvalidInputException(String.format(Locale.ROOT,
                    "fine cluster %d alone holds %.1f%% of the train tokens, above --max-share %s × the fair share"
                            + " (%.1f%%); raise --fine so fine clusters get smaller, or raise --max-share",
                    heaviest, 100 * weight[heaviest] / total, maxShare, 100 * upper / total));
        }
        if (lower > 0 && nonEmpty < k) {
            throw new InvalidInputException("only " + nonEmpty + " fine clusters hold train tokens, fewer than --experts "
                    + k + "; lower --experts or set --min-share 0");
        }
        BalancedGrouping grouping = new BalancedGrouping(fine, m, d, weight, k, lower, upper);
        SplittableRandom seeds = new SplittableRandom(seed);
        Result best = null;
        for (int restart = 0; restart < RESTARTS; restart++) {
            Result r = grouping.run(seeds.nextLong(), minShare, maxShare);
            if (best == null || r.cost() < best.cost()) {
                best = r;
            }
        }
        return best;
    }

    private Result run(long seed, double minShare, double maxShare) {
        float[] centres = seedCentres(new SplittableRandom(seed));
        int[] assignment = null;
        int[] best = null;
        double bestCost = Double.POSITIVE_INFINITY;
        for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
            computeDistances(centres);
            int[] next = greedyByRegret();
            if (!repair(next)) {
                throw new InvalidInputException(String.format(Locale.ROOT,
                        "cannot split the %d fine clusters into %d experts with token shares between --min-share %s"
                                + " and --max-share %s of the fair share; raise --fine for smaller fine clusters"
                                + " or widen the share bounds", m, k, minShare, maxShare));
            }
            polish(next);
            double cost = cost(next);
            if (cost < bestCost) {
                bestCost = cost;
                best = next.clone();
            }
            if (Arrays.equals(next, assignment)) {
                break;
            }
            assignment = next;
            centres = weightedMeans(assignment);
        }
        return new Result(best, weightedMeans(best), bestCost);
    }

    /** Weighted k-means++ seeding over the fine centroids (probability ∝ weight × squared distance). */
    private float[] seedCentres(SplittableRandom random) {
        float[] centres = new float[k * d];
        double[] closest = new double[m];
        Arrays.fill(closest, Double.POSITIVE_INFINITY);
        int chosen = pick(random, weight);
        for (int c = 0; c < k; c++) {
            System.arraycopy(fine, chosen * d, centres, c * d, d);
            double[] score = new double[m];
            for (int i = 0; i < m; i++) {
                closest[i] = Math.min(closest[i], squaredDistance(fine, i * d, centres, c * d));
                score[i] = weight[i] * closest[i];
            }
            chosen = pick(random, score);
        }
        return centres;
    }

    /** An index drawn with probability ∝ score; the first positive-score index if all draws fail. */
    private int pick(SplittableRandom random, double[] score) {
        double total = 0;
        for (double s : score) {
            total += s;
        }
        if (!(total > 0)) {
            return 0;
        }
        double target = random.nextDouble() * total;
        double running = 0;
        int last = 0;
        for (int i = 0; i < score.length; i++) {
            if (score[i] > 0) {
                running += score[i];
                last = i;
                if (running > target) {
                    return i;
                }
            }
        }
        return last;
    }

    private void computeDistances(float[] centres) {
        for (int i = 0; i < m; i++) {
            for (int e = 0; e < k; e++) {
                distance[i * k + e] = squaredDistance(fine, i * d, centres, e * d);
            }
        }
    }

    private int[] greedyByRegret() {
        Integer[] order = new Integer[m];
        double[] regret = new double[m];
        for (int i = 0; i < m; i++) {
            order[i] = i;
            double first = Double.POSITIVE_INFINITY;
            double second = Double.POSITIVE_INFINITY;
            for (int e = 0; e < k; e++) {
                double dist = distance[i * k + e];
                if (dist < first) {
                    second = first;
                    first = dist;
                } else if (dist < second) {
                    second = dist;
                }
            }
            regret[i] = k == 1 ? weight[i] : weight[i] * (second - first);
        }
        Arrays.sort(order, (a, b) -> regret[a] != regret[b] ? Double.compare(regret[b], regret[a]) : Integer.compare(a, b));
        int[] assignment = new int[m];
        Arrays.fill(load, 0);
        for (int i : order) {
            int bestExpert = -1;
            int roomiest = 0;
            for (int e = 0; e < k; e++) {
                if (load[e] + weight[i] <= upper
                        && (bestExpert < 0 || distance[i * k + e] < distance[i * k + bestExpert])) {
                    bestExpert = e;
                }
                if (load[e] < load[roomiest]) {
                    roomiest = e;
                }
            }
            int e = bestExpert >= 0 ? bestExpert : roomiest; // over the bound: repair fixes it
            assignment[i] = e;
            load[e] += weight[i];
        }
        return assignment;
    }

    private double violation(double expertLoad) {
        return Math.max(0, lower - expertLoad) + Math.max(0, expertLoad - upper);
    }

    /** Moves and swaps that reduce the bound violation, best first; false if stuck while infeasible. */
    private boolean repair(int[] assignment) {
        recomputeLoads(assignment);
        double tolerance = 1e-9 * (upper + 1);
        while (true) {
            double total = 0;
            for (int e = 0; e < k; e++) {
                total += violation(load[e]);
            }
            if (total <= tolerance) {
                return true;
            }
            if (!bestMove(assignment, tolerance) && !bestSwap(assignment, tolerance)) {
                return false;
            }
        }
    }

    private boolean bestMove(int[] assignment, double tolerance) {
        int bestItem = -1;
        int bestTarget = -1;
        double bestGain = 0;
        double bestCost = Double.POSITIVE_INFINITY;
        for (int i = 0; i < m; i++) {
            int from = assignment[i];
            double w = weight[i];
            for (int to = 0; to < k; to++) {
                if (to == from) {
                    continue;
                }
                double gain = violation(load[from]) + violation(load[to])
                        - violation(load[from] - w) - violation(load[to] + w);
                double cost = w * (distance[i * k + to] - distance[i * k + from]);
                if (gain <= tolerance) {
                    continue;
                }
                if (gain > bestGain + tolerance || (Math.abs(gain - bestGain) <= tolerance && cost < bestCost)) {
                    bestGain = gain;
                    bestCost = cost;
                    bestItem = i;
                    bestTarget = to;
                }
            }
        }
        if (bestItem < 0) {
            return false;
        }
        load[assignment[bestItem]] -= weight[bestItem];
        load[bestTarget] += weight[bestItem];
        assignment[bestItem] = bestTarget;
        return true;
    }

    private boolean bestSwap(int[] assignment, double tolerance) {
        int bestA = -1;
        int bestB = -1;
        double bestGain = tolerance;
        for (int a = 0; a < m; a++) {
            for (int b = a + 1; b < m; b++) {
                int ea = assignment[a];
                int eb = assignment[b];
                if (ea == eb) {
                    continue;
                }
                double shift = weight[a] - weight[b]; // ea loses it, eb gains it
                double gain = violation(load[ea]) + violation(load[eb])
                        - violation(load[ea] - shift) - violation(load[eb] + shift);
                if (gain > bestGain + tolerance) {
                    bestGain = gain;
                    bestA = a;
                    bestB = b;
                }
            }
        }
        if (bestA < 0) {
            return false;
        }
        int ea = assignment[bestA];
        int eb = assignment[bestB];
        double shift = weight[bestA] - weight[bestB];
        load[ea] -= shift;
        load[eb] += shift;
        assignment[bestA] = eb;
        assignment[bestB] = ea;
        return true;
    }

    /** Single moves to a nearer expert that keep both bounds (for a positive weight, nearer is cheaper). */
    private void polish(int[] assignment) {
        recomputeLoads(assignment);
        double slack = 1e-9 * (upper + 1);
        for (int pass = 0; pass < 20; pass++) {
            boolean moved = false;
            for (int i = 0; i < m; i++) {
                int from = assignment[i];
                double w = weight[i];
                int target = from;
                for (int to = 0; to < k; to++) {
                    if (to == from || load[to] + w > upper + slack || load[from] - w < lower - slack) {
                        continue;
                    }
                    double current = distance[i * k + target];
                    double candidate = distance[i * k + to];
                    if (candidate < current) {
                        target = to;
                    }
                }
                if (target != from) {
                    load[from] -= w;
                    load[target] += w;
                    assignment[i] = target;
                    moved = true;
                }
            }
            if (!moved) {
                break;
            }
        }
    }

    private void recomputeLoads(int[] assignment) {
        Arrays.fill(load, 0);
        for (int i = 0; i < m; i++) {
            load[assignment[i]] += weight[i];
        }
    }

    private double cost(int[] assignment) {
        double c = 0;
        for (int i = 0; i < m; i++) {
            c += weight[i] * distance[i * k + assignment[i]];
        }
        return c;
    }

    private float[] weightedMeans(int[] assignment) {
        double[] sums = new double[k * d];
        double[] totals = new double[k];
        int[] members = new int[k];
        for (int i = 0; i < m; i++) {
            int e = assignment[i];
            double w = weight[i];
            totals[e] += w;
            members[e]++;
            for (int j = 0; j < d; j++) {
                sums[e * d + j] += w * fine[i * d + j];
            }
        }
        float[] centres = new float[k * d];
        for (int e = 0; e < k; e++) {
            if (totals[e] > 0) {
                for (int j = 0; j < d; j++) {
                    centres[e * d + j] = (float) (sums[e * d + j] / totals[e]);
                }
            } else if (members[e] > 0) {
                // only zero-weight members: their plain mean, so the centre still means something
                for (int i = 0; i < m; i++) {
                    if (assignment[i] == e) {
                        for (int j = 0; j < d; j++) {
                            centres[e * d + j] += fine[i * d + j] / members[e];
                        }
                    }
                }
            }
        }
        return centres;
    }

    static double squaredDistance(float[] a, int ao, float[] b, int bo, int d) {
        double s = 0;
        for (int j = 0; j < d; j++) {
            double diff = (double) a[ao + j] - b[bo + j];
            s += diff * diff;
        }
        return s;
    }

    private double squaredDistance(float[] a, int ao, float[] b, int bo) {
        return squaredDistance(a, ao, b, bo, d);
    }
}
