package ai.chorus.core.merge;

import java.nio.file.Path;

/**
 * What {@code chorus merge} was asked.
 *
 * @param recipe what to merge and how
 * @param recipeFile the recipe's file, recorded in provenance; null when the recipe came from flags
 * @param out the model folder to write
 * @param force replace {@code out} if it already holds something
 */
public record MergeOptions(MergeRecipe recipe, Path recipeFile, Path out, boolean force) {}
