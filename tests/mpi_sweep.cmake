# Runs a small sweep without MPI and under `mpirun -np 2` and `-np 3`; fails unless runs.csv and
# summary.csv are byte-identical. Arguments: QVSIM, MPIEXEC, SCENARIO, WORK (a scratch folder).
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
execute_process(COMMAND ${QVSIM} sweep ${SCENARIO} --out ${WORK}/single --quiet
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "single-process sweep failed (${rc}): ${err}")
endif()
# Root may run mpirun only when it says so; CI runs as root.
set(ENV{OMPI_ALLOW_RUN_AS_ROOT} 1)
set(ENV{OMPI_ALLOW_RUN_AS_ROOT_CONFIRM} 1)
# Under the asan preset: Open MPI and its dlopen'ed plugins keep allocations to exit, which
# LeakSanitizer reports (outside qvsim, and without symbols to suppress them by). Address and
# undefined-behaviour checks stay on.
set(ENV{ASAN_OPTIONS} "detect_leaks=0")
foreach(np 2 3)
  execute_process(COMMAND ${MPIEXEC} --oversubscribe -np ${np} ${QVSIM} sweep ${SCENARIO}
                          --out ${WORK}/np${np} --quiet --threads 1
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "mpirun -np ${np} failed (${rc}): ${out} ${err}")
  endif()
  foreach(f runs.csv summary.csv)
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK}/single/${f} ${WORK}/np${np}/${f}
                    RESULT_VARIABLE diff)
    if(NOT diff EQUAL 0)
      message(FATAL_ERROR "${f} differs between the single-process sweep and mpirun -np ${np}")
    endif()
  endforeach()
  file(GLOB stores ${WORK}/np${np}/rank-*.sqlite)
  list(LENGTH stores n)
  if(NOT n EQUAL np)
    message(FATAL_ERROR "expected ${np} rank stores, found ${n}")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK})
