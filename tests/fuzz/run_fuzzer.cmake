# Runs a libFuzzer target as a CTest test; fails when the fuzzer exits non-zero (a crash, a failed
# check, a leak, a timeout or running out of memory), printing the end of its report.
# Arguments (lists separated by '|'):
#   FUZZER  the fuzz target
#   MODE    short: copy the seed files (SEEDS, globs) into a fresh WORK/corpus and fuzz it, with
#                  crash inputs written to WORK/artifacts; never writes to the source tree.
#           regressions: run every file in the folder REGRESSIONS once.
#   ARGS    libFuzzer options (-runs=, -seed=, -dict=, ...)
string(REPLACE "|" ";" args "${ARGS}")

if(MODE STREQUAL "short")
  file(REMOVE_RECURSE ${WORK})
  file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
  string(REPLACE "|" ";" globs "${SEEDS}")
  set(count 0)
  foreach(glob IN LISTS globs)
    file(GLOB files LIST_DIRECTORIES false ${glob})
    foreach(f IN LISTS files)
      # Numbered so that equal file names in different folders do not collide.
      get_filename_component(base ${f} NAME)
      math(EXPR count "${count} + 1")
      file(COPY_FILE ${f} ${WORK}/corpus/${count}_${base})
    endforeach()
  endforeach()
  if(count EQUAL 0)
    message(FATAL_ERROR "no seed files found in: ${globs}")
  endif()
  message(STATUS "${count} seed files")
  set(command ${FUZZER} ${args} -artifact_prefix=${WORK}/artifacts/ ${WORK}/corpus)
elseif(MODE STREQUAL "regressions")
  file(GLOB inputs LIST_DIRECTORIES false ${REGRESSIONS}/*)
  list(LENGTH inputs count)
  if(count EQUAL 0)
    # With no file arguments libFuzzer would start fuzzing instead.
    message(STATUS "no regression inputs in ${REGRESSIONS}")
    return()
  endif()
  message(STATUS "${count} regression inputs")
  set(command ${FUZZER} ${args} ${inputs})
else()
  message(FATAL_ERROR "MODE must be short or regressions, got '${MODE}'")
endif()

execute_process(COMMAND ${command} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  string(LENGTH "${out}" length)
  if(length GREATER 12000)
    math(EXPR start "${length} - 12000")
    string(SUBSTRING "${out}" ${start} -1 out)
  endif()
  message(FATAL_ERROR "${FUZZER} exited with ${rc}:\n${out}")
endif()
# The summary lines: "Done N runs in S second(s)", or one "Executed FILE" per regression input.
string(REGEX MATCHALL "(Done|Executed|INITED|stat::)[^\n]*" summary "${out}")
list(JOIN summary "\n" summary)
message(STATUS "${summary}")
