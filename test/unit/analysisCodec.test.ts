/**
 * An analysis crosses to the extension host's thread as columns (`plainAnalysis`) and is made
 * whole again there (`analysisOf`): the same functions, lines, figures and tree, for any profile.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analysisOf, plainAnalysis, transferables } from '../../src/profile/analysisCodec';
import { analyze } from '../../src/profile/analyze';
import { validProfile } from '../fuzzProfiles';

test('an analysis through columns and a structured clone is the same analysis', () => {
  fc.assert(
    fc.property(validProfile, fc.integer({ min: 0, max: 3 }), (profile, variant) => {
      const analysis = analyze(profile as never);
      // Originals with and without a name, and packages: what source maps and node_modules give.
      analysis.functions.forEach((f, i) => {
        if ((i + variant) % 2 === 0)
          f.original = { source: `/src/f${i % 3}.ts`, line: i + 1, column: i % 5 };
        if ((i + variant) % 4 === 0 && f.original) f.original.name = `original${i}`;
        if ((i + variant) % 3 === 0) f.packageName = i % 2 ? '@scope/pkg' : 'pkg';
        // A frame recovered from the caller V8 inlined it into.
        if ((i + variant) % 3 === 1)
          f.callLines = [
            {
              file: '/src/a.js',
              line: i + 2,
              calleeNames: ['digest', 'update'],
              totalUs: 5,
              inferred: true,
            },
            ...(i % 2
              ? [
                  {
                    file: '/src/a.js',
                    line: 3,
                    calleeNames: ['RegExp: a,b'],
                    totalUs: 2,
                    inferred: true as const,
                    ambiguous: true as const,
                    alsoLines: [7, 9],
                  },
                ]
              : []),
          ];
        if ((i + variant) % 5 === 1)
          f.inlined = { intoId: (i + 1) % analysis.functions.length, selfUs: f.selfUs / 2 };
      });
      // Made before the transfer, which leaves this side's columns empty (detached).
      const tree = analysis.model.tree;
      const plain = plainAnalysis(analysis);
      const crossed = analysisOf(structuredClone(plain, { transfer: transferables(plain) }));
      assert.deepEqual(crossed.functions, analysis.functions);
      assert.deepEqual(crossed.lines, analysis.lines);
      assert.deepEqual(crossed.shares, analysis.shares);
      assert.deepEqual(crossed.notes, analysis.notes);
      assert.equal(crossed.model.durationUs, analysis.model.durationUs);
      assert.equal(crossed.model.sampleCount, analysis.model.sampleCount);
      assert.deepEqual(crossed.model.categories, analysis.model.categories);
      assert.deepEqual(crossed.model.tree, tree);
      assert.equal(plain.functionInts.length, 0, 'transferred, not copied');
    }),
    { numRuns: 300 },
  );
});
